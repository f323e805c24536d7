"""Writes alarm.wav: the console's urgent-case alarm, two alternating tones (880 Hz and 660 Hz, 0.2 s each, three
times, soft edges), 16-bit mono at 22,050 Hz. Made from nothing but this program, so the sound carries no one
else's rights (see LICENSE.txt). Run: python resources/sounds/make_alarm.py"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
TONES = (880.0, 660.0) * 3
TONE_S = 0.2
FADE_S = 0.01
VOLUME = 0.6


def samples() -> list[int]:
    out: list[int] = []
    n = int(RATE * TONE_S)
    fade = int(RATE * FADE_S)
    for freq in TONES:
        for i in range(n):
            edge = min(1.0, i / fade, (n - 1 - i) / fade)
            out.append(int(32767 * VOLUME * edge * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def main() -> None:
    path = Path(__file__).with_name("alarm.wav")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples()))


if __name__ == "__main__":
    main()
