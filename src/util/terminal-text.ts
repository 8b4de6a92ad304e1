/**
 * Text from input (field names of a customer's export, file names) as it may be written to a terminal: every
 * character that does not show itself, and could move the cursor, retitle the window, clear the screen or
 * reorder what follows (controls, escape sequences, bidirectional and zero-width characters), shown as a
 * visible marker "[U+001B]". The classes and the marker are those of the report's display path
 * (util/display.ts on the display branch of issue 12), so the two can be merged into one. Pure.
 */
const HIDDEN = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/gu;

const marker = (c: string): string => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;

export function terminalText(value: string): string {
  return value.replace(HIDDEN, marker);
}
