/** Runs in every test file: temporary folders made by the helpers are removed when the file's tests end. */
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/db.ts';

afterAll(() => removeTempDirs());
