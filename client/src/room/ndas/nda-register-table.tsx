import type { Nda } from '../../api.js';
import type { RoomContext } from '../room-context.js';
import type { Register } from './nda-register.js';
import { NdaRow } from './nda-row.js';

interface NdaRegisterTableProps {
  ctx: RoomContext;
  reg: Register;
  onConfirm: (nda: Nda) => void;
  onDecide: (nda: Nda, action: 'reject' | 'terminate') => void;
}

/** The room's NDAs, one row each; the register's own columns only for those who read all of it. */
export function NdaRegisterTable({ ctx, reg, onConfirm, onDecide }: NdaRegisterTableProps) {
  const staff = ctx.can.readNdaRegister;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            {staff && <th scope="col">Counterparty</th>}
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Covers</th>
            <th scope="col">Effective</th>
            <th scope="col">Expires</th>
            {staff && <th scope="col">Registered / decided</th>}
            {staff && <th scope="col"><span className="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {reg.ndas.map((n) => <NdaRow key={n.id} ctx={ctx} reg={reg} nda={n} onConfirm={onConfirm} onDecide={onDecide} />)}
        </tbody>
      </table>
    </div>
  );
}
