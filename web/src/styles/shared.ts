// Styles every screen shares: native controls made large enough to touch (44 px), a focus ring that is
// always visible, and logical properties only (the app will also be read right to left).
import { css } from "lit";

export const shared = css`
  :host {
    display: block;
    color: var(--ink);
    font: inherit;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  h1,
  h2 {
    margin-block: 0 0.75rem;
    line-height: 1.2;
  }
  h1 {
    font-size: 1.6rem;
  }
  h2 {
    font-size: 1.3rem;
  }
  p {
    margin-block: 0 1rem;
  }
  label {
    display: block;
    font-weight: 600;
    margin-block-end: 0.35rem;
  }
  .field {
    margin-block-end: 1.1rem;
  }
  .hint {
    display: block;
    color: var(--muted);
    font-size: 0.9rem;
    margin-block-start: 0.3rem;
  }
  input {
    display: block;
    inline-size: 100%;
    min-block-size: 48px;
    padding-inline: 0.75rem;
    font: inherit;
    color: var(--ink);
    background: var(--field);
    border: 2px solid var(--line);
    border-radius: 8px;
  }
  button {
    min-block-size: 48px;
    min-inline-size: 44px;
    padding-inline: 1.25rem;
    font: inherit;
    font-weight: 600;
    border-radius: 8px;
    border: 2px solid var(--accent);
    background: var(--accent);
    color: var(--on-accent);
    cursor: pointer;
  }
  button.secondary {
    background: transparent;
    color: var(--accent);
  }
  button:disabled {
    opacity: 0.65;
    cursor: progress;
  }
  input:focus-visible,
  button:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  .error {
    color: var(--danger);
    background: var(--danger-bg);
    border-inline-start: 4px solid var(--danger);
    padding-block: 0.6rem;
    padding-inline: 0.8rem;
    border-radius: 4px;
    margin-block-end: 1rem;
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--line);
    border-radius: 12px;
    padding: 1.75rem;
    box-shadow: 0 1px 3px rgb(0 0 0 / 8%);
  }
`;
