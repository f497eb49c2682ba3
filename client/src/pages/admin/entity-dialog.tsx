import { useRef, useState, type FormEvent } from 'react';
import { adminApi, type Entity } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { FailureAlert, FormField, useFocusFirstInvalid } from './form-field.js';
import { fieldFailure, formFailure, type FormFailure } from './form-failure.js';
import { entityChoices } from './entity-tree.js';

/** The form's fields by their API names, as its alert names them. */
const LABELS = { name: 'Entity name', parentId: 'Parent entity' };

export type EntityDialogMode = { kind: 'add'; parentId: string | null } | { kind: 'rename'; entity: Entity } | { kind: 'move'; entity: Entity };

const TOP = '';

/**
 * Adding an entity (at the top or under a parent), renaming one, or moving one under another parent.
 * A move under the entity's own subtree is offered like any other and refused by the server, whose
 * message says why: the tree's rule lives in one place.
 */
export function EntityDialog({ mode, entities, onClose, onSaved }: { mode: EntityDialogMode; entities: Entity[]; onClose: () => void; onSaved: (notice: string) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const entity = mode.kind === 'add' ? null : mode.entity;
  const [name, setName] = useState(entity?.name ?? '');
  const [parentId, setParentId] = useState<string>((mode.kind === 'add' ? mode.parentId : entity?.parentId) ?? TOP);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusFirstInvalid(form, failure);
  const choices = entityChoices(entities).filter((c) => c.id !== entity?.id);
  const nameOf = (id: string) => entities.find((e) => e.id === id)?.name;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (mode.kind !== 'move' && !name.trim()) return setFailure(fieldFailure('name', 'Enter the entity’s legal name.'));
    setBusy(true);
    setFailure(null);
    const parent = parentId === TOP ? null : parentId;
    try {
      if (mode.kind === 'add') {
        const added = await adminApi.createEntity({ name: name.trim(), parentId: parent });
        onSaved(parent ? `${added.name} added under ${nameOf(parent)}.` : `${added.name} added at the top.`);
      } else if (mode.kind === 'rename') {
        const renamed = await adminApi.updateEntity(mode.entity.id, { name: name.trim() });
        onSaved(`Renamed to ${renamed.name}.`);
      } else {
        await adminApi.updateEntity(mode.entity.id, { parentId: parent });
        onSaved(parent ? `${mode.entity.name} moved under ${nameOf(parent)}.` : `${mode.entity.name} moved to the top.`);
      }
    } catch (err) {
      setFailure(formFailure(err, LABELS));
      setBusy(false);
    }
  }

  const title = mode.kind === 'add' ? 'Add a legal entity' : mode.kind === 'rename' ? `Rename ${mode.entity.name}` : `Move ${mode.entity.name}`;
  return (
    <Modal title={title} onClose={onClose}>
      <form ref={form} className="form" onSubmit={submit} noValidate>
        <FailureAlert failure={failure} />
        {mode.kind !== 'move' && (
          <FormField label="Entity name" help={mode.kind === 'add' ? 'The legal name, e.g. “Falcon GmbH”.' : undefined} error={failure?.fields.name}>
            {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} autoFocus autoComplete="off" />}
          </FormField>
        )}
        {mode.kind !== 'rename' && (
          <FormField label="Parent entity" help={mode.kind === 'move' ? 'It moves with everything under it.' : undefined} error={failure?.fields.parentId}>
            {(control) => (
              <select {...control} value={parentId} onChange={(e) => setParentId(e.target.value)} autoFocus={mode.kind === 'move'}>
                <option value={TOP}>None — a top entity of the group</option>
                {choices.map((c) => <option key={c.id} value={c.id}>{c.path}</option>)}
              </select>
            )}
          </FormField>
        )}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
            {busy ? 'Saving…' : mode.kind === 'add' ? 'Add entity' : mode.kind === 'rename' ? 'Rename' : 'Move'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
