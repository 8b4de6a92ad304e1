/**
 * The one display path for text that came from telemetry (vector names, hosts, paths, user agents, mitigation
 * system names): whatever reaches a reader (PDF, HTML, charts, email, terminal) goes through displayText(). Pure.
 */

/**
 * Characters that do not show themselves but change what the text around them says or how it reads, by class
 * rather than by list: default-ignorable code points (zero-width characters, tag characters U+E0000–E007F,
 * variation selectors, Hangul fillers, U+034F), format characters (bidirectional controls, U+00AD, U+061C),
 * controls, line and paragraph separators, unassigned and private-use code points and lone surrogates.
 */
export const HIDDEN_CHARACTER = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u;
const HIDDEN_GLOBAL = new RegExp(HIDDEN_CHARACTER.source, 'gu');

/** Whether a string holds any character a reader would not see as itself. */
export const hasHiddenCharacter = (text: string): boolean => HIDDEN_CHARACTER.test(text);

/** The visible marker that stands for a hidden character: "[U+202E]" (ASCII, so every font has its glyphs). */
export const hiddenMarker = (c: string): string => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;

/** Every hidden character replaced by its marker; the rest as it is. Idempotent (markers are plain ASCII). */
export const revealHidden = (text: string): string => text.replace(HIDDEN_GLOBAL, hiddenMarker);

export interface DisplayOptions {
  /** Longest visible form in characters (code points, markers included); longer text ends in "…" and its length. */
  maxChars?: number;
}

/**
 * Telemetry text as a reader may see it: hidden characters shown as markers, then cut to `maxChars` with an
 * ellipsis and the original length, so a reader knows the value goes on ("…" alone could be part of it).
 */
export function displayText(value: unknown, options: DisplayOptions = {}): string {
  const raw = value === null || value === undefined ? '' : String(value);
  const text = revealHidden(raw);
  const max = options.maxChars;
  if (max === undefined) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const length = Array.from(raw).length.toLocaleString('en-US');
  // A marker is never cut in half: "[U+20" would name a different character.
  const kept = chars.slice(0, Math.max(1, max - 1)).join('').replace(/\[U\+[0-9A-F]{0,6}$/, '');
  return `${kept}… (${length} characters)`;
}

/**
 * A copy of a value (a report model) with every string's hidden characters shown as markers, for templates:
 * a template, built-in or a provider's own, then cannot print a hidden character whatever field it shows.
 */
export function revealHiddenDeep<T>(value: T): T {
  if (typeof value === 'string') return revealHidden(value) as T;
  if (Array.isArray(value)) return value.map((v) => revealHiddenDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealHiddenDeep(v)])) as T;
  }
  return value;
}
