/** The Gatehouse mark: decorative, the product name always sits beside it. */
export function Logo({ className = 'brand-mark' }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="6" className="brand-mark-bg" />
      <path d="M9 26V13l7-6 7 6v13h-5v-7h-4v7z" className="brand-mark-fg" />
    </svg>
  );
}
