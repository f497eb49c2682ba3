import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type User } from '../../api.js';

/**
 * The sign-in flow: email and password, then a one-time code when the server asks for one (the
 * account has two-step verification). Says which field is wrong and puts the focus there.
 */
export function useSignIn(onSignedIn: (user: User) => void) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<'email' | 'password' | 'both' | null>(null);
  const [busy, setBusy] = useState(false);
  // The second step: the server asked for a one-time code (the account has two-step verification).
  const [otpStep, setOtpStep] = useState(false);
  const [otp, setOtp] = useState('');
  const otpRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    emailRef.current?.focus();
  }, []);
  useEffect(() => {
    if (otpStep) otpRef.current?.focus();
  }, [otpStep]);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const trimmed = email.trim();
    if (!trimmed) {
      setError('Enter your email address.');
      setInvalid('email');
      emailRef.current?.focus();
      return;
    }
    if (!password) {
      setError('Enter your password.');
      setInvalid('password');
      passwordRef.current?.focus();
      return;
    }
    if (otpStep && !/^\d{6}$/.test(otp.trim())) {
      setError('Enter the 6-digit code from your authenticator app.');
      otpRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setInvalid(null);
    try {
      const user = await api.login(trimmed, password, otpStep ? otp.trim() : undefined);
      onSignedIn(user);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === 'otp_required') {
        // Password accepted so far; keep it for the second request with the code.
        if (otpStep) {
          setError('That code was not accepted. Codes change every 30 seconds; enter the current one.');
          setOtp('');
          otpRef.current?.focus();
        }
        setOtpStep(true);
        return;
      }
      setPassword('');
      setOtp('');
      setOtpStep(false);
      if (err instanceof ApiError) {
        setError(err.message);
        if (err.code === 'invalid_credentials') setInvalid('both');
      } else {
        setError('Sign in failed. Please try again.');
      }
      passwordRef.current?.focus();
    }
  }

  /** Back from the code to email and password, e.g. to sign in as someone else. */
  function restart() {
    setOtpStep(false);
    setOtp('');
    setPassword('');
    setError(null);
  }

  return { email, setEmail, password, setPassword, otp, setOtp, otpStep, error, invalid, busy, refs: { emailRef, passwordRef, otpRef }, handleSubmit, restart };
}
