import type { Nda } from '../../api.js';

interface NdaActionsProps {
  nda: Nda;
  orgName: string | undefined;
  /** Counsel of the room decide NDAs; everyone else on the register waits for them. */
  mayDecide: boolean;
  /** The caller registered this NDA: four eyes, so someone else confirms it. */
  ownRegistration: boolean;
  onConfirm: () => void;
  onDecide: (action: 'reject' | 'terminate') => void;
}

/** What can be done with one NDA of the register now: confirm or reject it, terminate it, or wait. */
export function NdaActions({ nda, orgName, mayDecide, ownRegistration, onConfirm, onDecide }: NdaActionsProps) {
  return (
    <td className="row-actions">
      {nda.status === 'pending' && mayDecide && (
        ownRegistration ? (
          <span className="four-eyes-note">You registered this NDA: another counsel must confirm it.</span>
        ) : (
          <button type="button" className="button button-primary button-small" onClick={onConfirm} aria-label={`Confirm the NDA of ${orgName}`}>Confirm</button>
        )
      )}
      {nda.status === 'pending' && mayDecide && (
        <button type="button" className="button button-secondary button-small" onClick={() => onDecide('reject')}>Reject</button>
      )}
      {nda.status === 'pending' && !mayDecide && <span className="four-eyes-note">Awaiting counsel</span>}
      {nda.status === 'confirmed' && mayDecide && (
        <button type="button" className="button button-danger-outline button-small" onClick={() => onDecide('terminate')}>Terminate</button>
      )}
    </td>
  );
}
