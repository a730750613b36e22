/**
 * Plain words for the file-system errors a user causes and can fix (no
 * permission, a dangling or looping symbolic link, a file where a folder
 * should be), so the CLI says what went wrong instead of printing a stack.
 */

/** The reason behind a Node fs error, in words; undefined for anything that is not one. */
export function fsProblem(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'a symbolic link on the way loops back on itself';
    case 'ENOENT':
      return 'it does not exist';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return undefined;
  }
}
