/** The language switch: Chinese or English, each named in its own language. */
import { useI18n, type Lang } from '../i18n/index.ts';
import { Field } from './ui.tsx';

export function LanguageSelect() {
  const { t, lang, setLang } = useI18n();
  return (
    <Field label={t('nav.language')} class="inline">
      {(id) => (
        <select id={id} value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
          <option value="zh" lang="zh-CN">
            中文
          </option>
          <option value="en" lang="en">
            English
          </option>
        </select>
      )}
    </Field>
  );
}
