// The display's voice: a chime made with Web Audio (two soft tones, generated: no sound file to ship) and
// the browser's speech synthesis for each utterance of an announcement (announcements.ts decides what and
// when). Browsers allow sound only after a user gesture; a kiosk Chromium started with
// `--autoplay-policy=no-user-gesture-required` allows it at once (docs/operations.md), otherwise the screen
// shows a one-time "Attiva audio" button whose click calls `unlock()`.
//
// Nothing here can stall the queue of calls: each utterance has a deadline (a voice that never reports
// its end, as happens with no voice installed, is cancelled), and failures resolve quietly.

import { SPEECH_TAG, type Announcement, type Utterance } from "./announcements";

const CHIME_MS = 1100;
const PAUSE_BETWEEN_LANGUAGES_MS = 350;
const PAUSE_AFTER_MS = 900;

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** How long an utterance may take before it is given up: generous for a slow voice. */
export function utteranceDeadlineMs(text: string): number {
  return 3000 + 180 * text.length;
}

/** The voice for a language tag: the same tag, else the same language; undefined when none is installed. */
export function voiceFor(voices: readonly SpeechSynthesisVoice[], tag: string): SpeechSynthesisVoice | undefined {
  const lower = tag.toLowerCase();
  const language = lower.split("-")[0];
  return (
    voices.find(voice => voice.lang.toLowerCase().replace("_", "-") === lower) ??
    voices.find(voice => voice.lang.toLowerCase().split(/[-_]/)[0] === language)
  );
}

export class Speaker {
  #context?: AudioContext;
  readonly #synth?: SpeechSynthesis;

  constructor(synth: SpeechSynthesis | undefined = typeof speechSynthesis === "undefined" ? undefined : speechSynthesis) {
    this.#synth = synth;
    try {
      this.#context = new AudioContext();
    } catch {
      this.#context = undefined; // no Web Audio: the voice alone
    }
  }

  /** Whether the browser lets this page make sound now (the kiosk flag, or a gesture happened). */
  get allowed(): boolean {
    return !this.#context || this.#context.state === "running";
  }

  /** Calls `listener` when `allowed` may have changed. */
  onChange(listener: () => void): void {
    this.#context?.addEventListener("statechange", listener);
  }

  /** From a click: start the audio context (the click also gives the page the user activation speech
   *  synthesis asks for, for as long as the page stays open). */
  async unlock(): Promise<void> {
    try {
      await this.#context?.resume();
    } catch {
      // Refused: the button stays.
    }
  }

  /** Plays one announcement: the chime, then each utterance in turn. Resolves when done, never rejects. */
  async play(announcement: Announcement): Promise<void> {
    await this.#chime();
    const voices = this.#synth?.getVoices() ?? [];
    let first = true;
    for (const utterance of announcement.utterances) {
      // With voices known, a language none of them speaks is left out rather than read by a wrong voice;
      // Italian is always said.
      const voice = voiceFor(voices, utterance.lang);
      if (voices.length > 0 && !voice && utterance.language !== "it") continue;
      if (!first) await sleep(PAUSE_BETWEEN_LANGUAGES_MS);
      first = false;
      await this.#say(utterance, voice);
    }
    await sleep(PAUSE_AFTER_MS);
  }

  async #chime(): Promise<void> {
    const context = this.#context;
    if (!context || context.state !== "running") return;
    try {
      const start = context.currentTime + 0.05;
      // A soft "ding-dong": E5 then C5, each a sine with a quick attack and a long decay.
      for (const [offset, frequency] of [
        [0, 659.25],
        [0.45, 523.25],
      ] as const) {
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.type = "sine";
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, start + offset);
        gain.gain.exponentialRampToValueAtTime(0.35, start + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.6);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(start + offset);
        oscillator.stop(start + offset + 0.65);
      }
    } catch {
      return;
    }
    await sleep(CHIME_MS);
  }

  #say(utterance: Utterance, voice: SpeechSynthesisVoice | undefined): Promise<void> {
    const synth = this.#synth;
    if (!synth) return Promise.resolve();
    return new Promise<void>(resolve => {
      const spoken = new SpeechSynthesisUtterance(utterance.text);
      spoken.lang = voice?.lang ?? utterance.lang ?? SPEECH_TAG.it;
      if (voice) spoken.voice = voice;
      spoken.rate = 0.9; // a little slower than normal: a room, not a headset
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve();
      };
      const deadline = setTimeout(() => {
        synth.cancel();
        finish();
      }, utteranceDeadlineMs(utterance.text));
      spoken.onend = finish;
      spoken.onerror = finish;
      try {
        synth.speak(spoken);
      } catch {
        finish();
      }
    });
  }
}
