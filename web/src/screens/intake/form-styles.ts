// Styles of the intake's controls beyond the shared ones: selects, text areas, checkboxes and radios
// large enough to touch (44 px), fieldsets as cards, a grid of fields that folds to one column.
import { css } from "lit";

export const formStyles = css`
  select,
  textarea {
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
  textarea {
    padding-block: 0.6rem;
    resize: vertical;
  }
  select:focus-visible,
  textarea:focus-visible,
  input[type="checkbox"]:focus-visible,
  input[type="radio"]:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  input:disabled,
  select:disabled,
  textarea:disabled {
    background: var(--page);
    color: var(--muted);
    cursor: not-allowed;
  }
  input[type="checkbox"],
  input[type="radio"] {
    display: inline-block;
    inline-size: 44px;
    block-size: 44px;
    min-block-size: 44px;
    margin: 0;
    flex: none;
    accent-color: var(--accent);
  }
  .check {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    font-weight: 500;
    margin-block-end: 0.5rem;
  }
  .check label {
    margin: 0;
    font-weight: 500;
  }
  fieldset {
    border: 1px solid var(--line);
    border-radius: 12px;
    background: var(--surface);
    padding-block: 1rem 1.25rem;
    padding-inline: 1.25rem;
    margin: 0 0 1.25rem;
    min-inline-size: 0;
  }
  legend {
    font-size: 1.2rem;
    font-weight: 700;
    padding-inline: 0.4rem;
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 16rem), 1fr));
    gap: 0 1.25rem;
  }
  .wide {
    grid-column: 1 / -1;
  }
  .choices {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr));
    gap: 0 1rem;
  }
  .field-error {
    color: var(--danger);
    margin-block: 0.3rem 0;
    font-weight: 600;
  }
`;
