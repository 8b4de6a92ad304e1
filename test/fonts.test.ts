import { describe, expect, it } from 'vitest';
import { facesFor } from '../src/render/fonts.js';

const families = (text: string) => [...new Set(facesFor(text).map((f) => f.family))].sort();

describe('embedded font subsets', () => {
  it('a Latin report carries Inter and the monospace Latin subset only, whatever punctuation it uses', () => {
    expect(families('Attacks – 15 · 32.0 Gbps… “quoted” × ±')).toEqual(['InterReport', 'MonoReport']);
    // Three weights of Inter's Latin subset, the monospace one, and nothing for characters Inter covers.
    expect(facesFor('plain ASCII').length).toBe(4);
  });

  it('a CJK character pulls in the one SC subset that holds it', () => {
    const faces = facesFor('path /中').filter((f) => f.family === 'CjkReport');
    expect(faces).toHaveLength(1);
    expect(faces[0]!.ranges.some(([a, b]) => a <= 0x4e2d && 0x4e2d <= b)).toBe(true);
  });

  it('Hangul comes from the Korean font: the SC stylesheet lists it but has no glyphs', () => {
    expect(families('크롤러')).toEqual(['HangulReport', 'InterReport', 'MonoReport']);
  });

  it('emoji, Arabic, Hebrew, Thai and Devanagari each bring their own family', () => {
    expect(families('\u{1F680} زاحف סורק บอท खोज')).toEqual(['ArabicReport', 'DevanagariReport', 'EmojiReport', 'HebrewReport', 'InterReport', 'MonoReport', 'ThaiReport']);
  });
});
