import type { ReactNode } from 'react';
import { Logo } from './logo.js';

/**
 * The frame of the pages someone reaches signed out — sign in's siblings: accepting an invitation,
 * asking for and setting a new password. Same card, same brand, same footer.
 */
export function PublicCard({ title, lede, wide, children }: { title: string; lede?: ReactNode; wide?: boolean; children: ReactNode }) {
  return (
    <main className="sign-in" id="main">
      <div className={wide ? 'sign-in-card sign-in-card-wide panel' : 'sign-in-card panel'}>
        <div className="sign-in-brand">
          <Logo className="brand-mark brand-mark-large" />
          <span className="brand-name brand-name-large">Gatehouse</span>
        </div>
        <h1 className="sign-in-title">{title}</h1>
        {lede && <p className="sign-in-lede">{lede}</p>}
        {children}
      </div>
      <p className="sign-in-footer">Access is monitored. Use only the account issued to you.</p>
    </main>
  );
}
