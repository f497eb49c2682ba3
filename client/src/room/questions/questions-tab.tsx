import type { RoomContext } from '../room-context.js';
import { BidderQuestions } from './bidder-questions.js';
import { DealTeamQuestions } from './deal-team-questions.js';
import './questions.css';

/**
 * The room's Q&A. Who sees which side is the server's to say: the deal team, counsel and experts by
 * the room's `can` flags, a party's members (who have no `can`) once an NDA covers them.
 */
export function QuestionsTab({ ctx }: { ctx: RoomContext }) {
  const sellerSide = ctx.can.readQuestions || ctx.can.answerQuestions || ctx.can.manageQuestions;
  return sellerSide ? <DealTeamQuestions ctx={ctx} /> : <BidderQuestions ctx={ctx} />;
}
