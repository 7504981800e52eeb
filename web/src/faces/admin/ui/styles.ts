// The console's look, on top of the app's shared styles (styles/shared.ts: 44 px targets, a visible focus
// ring, logical properties): sober tables, forms in cards, status badges, notices and dialogs. Every section
// of the console uses it, so the console looks like one thing.
import { css } from "lit";
import { shared } from "../../../styles/shared";

export const consoleStyles = [
  shared,
  css`
    h2 {
      font-size: 1.45rem;
    }
    h3 {
      font-size: 1.15rem;
      margin-block: 0 0.6rem;
    }
    section + section {
      margin-block-start: 2rem;
    }
    .intro {
      color: var(--muted);
      max-inline-size: 60rem;
    }
    .card {
      padding: 1.25rem 1.5rem;
      margin-block-end: 1.25rem;
    }
    select,
    textarea {
      display: block;
      inline-size: 100%;
      min-block-size: 48px;
      padding-inline: 0.6rem;
      font: inherit;
      color: var(--ink);
      background: var(--field);
      border: 2px solid var(--line);
      border-radius: 8px;
    }
    select:focus-visible,
    textarea:focus-visible,
    input[type="checkbox"]:focus-visible {
      outline: 3px solid var(--focus);
      outline-offset: 2px;
    }
    input[aria-invalid="true"],
    select[aria-invalid="true"] {
      border-color: var(--danger);
    }
    input[readonly] {
      background: var(--page);
      font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
    }
    .check {
      display: flex;
      align-items: center;
      gap: 0.6rem;
      min-block-size: 44px;
      font-weight: 400;
      margin: 0;
    }
    .check input {
      inline-size: 24px;
      min-block-size: 24px;
      block-size: 24px;
      margin: 0;
      flex: none;
      accent-color: var(--accent);
    }
    fieldset {
      border: 1px solid var(--line);
      border-radius: 8px;
      padding: 0.5rem 1rem 0.75rem;
      margin: 0 0 1.1rem;
    }
    legend {
      font-weight: 600;
      padding-inline: 0.3rem;
    }
    .grid {
      display: grid;
      gap: 0 1rem;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr));
      align-items: start;
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: end;
      margin-block-end: 1rem;
    }
    .toolbar .field {
      margin: 0;
      min-inline-size: 12rem;
      flex: 1 1 12rem;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    button.small {
      min-block-size: 44px;
      padding-inline: 0.8rem;
      font-size: 0.95rem;
    }
    button.danger {
      background: var(--danger);
      border-color: var(--danger);
      color: #fff;
    }
    button.secondary.danger {
      background: transparent;
      color: var(--danger);
    }
    .table-wrap {
      overflow-x: auto;
      background: var(--surface);
      border: 1px solid var(--line);
      border-radius: 12px;
      margin-block-end: 1rem;
    }
    /* Focusable (tabindex="0"), so that a table wider than the screen scrolls from the keyboard too. */
    .table-wrap:focus-visible {
      outline: 3px solid var(--focus, #1d4f91);
      outline-offset: 2px;
    }
    table {
      inline-size: 100%;
      border-collapse: collapse;
      font-size: 0.95rem;
    }
    caption {
      text-align: start;
      padding: 0.75rem 1rem 0.25rem;
      color: var(--muted);
    }
    th,
    td {
      text-align: start;
      vertical-align: middle;
      padding: 0.45rem 0.75rem;
      border-block-end: 1px solid var(--line);
    }
    thead th {
      background: var(--page);
      font-weight: 600;
      white-space: nowrap;
    }
    tbody tr:last-child > * {
      border-block-end: none;
    }
    td.mono,
    .mono {
      font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
      font-size: 0.85rem;
      overflow-wrap: anywhere;
    }
    .sub {
      display: block;
      color: var(--muted);
      font-size: 0.85rem;
    }
    .badge {
      display: inline-block;
      padding: 0.1rem 0.55rem;
      border-radius: 999px;
      font-size: 0.85rem;
      font-weight: 600;
      background: var(--page);
      border: 1px solid var(--line);
      white-space: nowrap;
    }
    .badge.ok {
      color: var(--ok);
      background: var(--ok-bg);
      border-color: var(--ok);
    }
    .badge.warn {
      color: var(--warn);
      background: var(--warn-bg);
      border-color: var(--warn);
    }
    .badge.bad {
      color: var(--danger);
      background: var(--danger-bg);
      border-color: var(--danger);
    }
    .notice {
      padding: 0.6rem 0.9rem;
      border-inline-start: 4px solid var(--ok);
      background: var(--ok-bg);
      border-radius: 4px;
      margin-block-end: 1rem;
    }
    .warning {
      padding: 0.6rem 0.9rem;
      border-inline-start: 4px solid var(--warn);
      background: var(--warn-bg);
      border-radius: 4px;
      margin-block-end: 1rem;
      font-weight: 600;
    }
    .field-error {
      color: var(--danger);
      font-size: 0.9rem;
      margin-block: 0.25rem 0;
    }
    .empty {
      color: var(--muted);
      padding: 1rem;
      margin: 0;
    }
    .sr-only {
      position: absolute;
      inline-size: 1px;
      block-size: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
    dialog {
      border: none;
      border-radius: 12px;
      padding: 1.5rem;
      inline-size: min(40rem, calc(100vw - 2rem));
      max-block-size: calc(100vh - 2rem);
      box-shadow: 0 10px 40px rgb(0 0 0 / 30%);
      color: var(--ink);
    }
    dialog::backdrop {
      background: rgb(20 25 35 / 55%);
    }
    .dialog-actions {
      display: flex;
      flex-wrap: wrap;
      justify-content: flex-end;
      gap: 0.75rem;
      margin-block-start: 1.25rem;
    }
  `,
];
