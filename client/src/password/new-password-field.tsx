import { useState, type RefObject } from 'react';
import type { PasswordRule } from './password-policy.js';

interface NewPasswordFieldProps {
  id: string;
  value: string;
  onChange: (password: string) => void;
  /** The policy's rules, judged against `value`. */
  rules: PasswordRule[];
  /** What the server (or the form) said is wrong with the password; the field points at it. */
  error: string | null;
  inputRef?: RefObject<HTMLInputElement | null>;
}

const MARKS: Record<string, string> = { true: '✓', false: '✗', null: '…' };

/**
 * A new password with the policy beside it, each rule ticked as the person types. The rules are
 * the field's description (read on focus), not a live region: announcing them at every keystroke
 * would drown what is being typed; only the moment every rule holds is announced.
 */
export function NewPasswordField({ id, value, onChange, rules, error, inputRef }: NewPasswordFieldProps) {
  const [shown, setShown] = useState(false);
  const allMet = value !== '' && rules.every((r) => r.met === true);
  const describedBy = [`${id}-rules`, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <>
      <div className="field">
        <label htmlFor={id}>New password</label>
        <input
          ref={inputRef}
          id={id}
          name="new-password"
          type={shown ? 'text' : 'password'}
          autoComplete="new-password"
          autoCapitalize="none"
          spellCheck={false}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        />
        {error && <p id={`${id}-error`} className="field-error">{error}</p>}
        <ul id={`${id}-rules`} className="password-rules" aria-label="Password rules">
          {rules.map((rule) => <PasswordRuleItem key={rule.id} rule={rule} typed={value !== ''} />)}
        </ul>
        <p role="status" className="visually-hidden">{allMet ? 'The password meets every rule.' : ''}</p>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={shown} onChange={(e) => setShown(e.target.checked)} />
        Show password
      </label>
    </>
  );
}

function PasswordRuleItem({ rule, typed }: { rule: PasswordRule; typed: boolean }) {
  // Before anything is typed nothing has failed yet: the rules read as plain requirements.
  const state = !typed ? 'todo' : rule.met === null ? 'unknown' : rule.met ? 'met' : 'unmet';
  const spoken = state === 'met' ? 'met' : state === 'unmet' ? 'not met' : state === 'unknown' ? 'checked when you submit' : 'required';
  return (
    <li className={`password-rule password-rule-${state}`}>
      <span className="password-rule-mark" aria-hidden="true">{state === 'todo' ? '•' : MARKS[String(rule.met)]}</span>
      {rule.label}
      <span className="visually-hidden"> — {spoken}</span>
    </li>
  );
}
