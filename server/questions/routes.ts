import { Router, type Response } from 'express';
import ExcelJS from 'exceljs';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { csvRow } from '../audit/csv.js';
import { formulaSafe } from '../grants/matrix-layout.js';
import { AnswerSchema, AskQuestionSchema, AssignSchema, ListQuestionsSchema, NoInputSchema, PublishFaqSchema } from './schema.js';
import { answerQuestion, approveAnswer, askQuestion, assignQuestion, closeQuestion, getQuestion, listQuestions, publishFaq, type QuestionsView } from './service.js';
import { exportCell, exportColumnsOf, presentQuestion, type PresentedQuestion } from './presenter.js';

type Ctx = Awaited<ReturnType<typeof contextOf>>;
const one = (view: QuestionsView, ctx: Ctx) => presentQuestion(view.items[0]!, ctx, view.references);

/** The caller's questions as CSV or XLSX: the columns they may read, every cell formula-safe. */
async function sendExport(res: Response, format: 'csv' | 'xlsx', items: PresentedQuestion[]) {
  const columns = exportColumnsOf(items);
  const header = columns.length ? [...columns] : ['id'];
  const rows = items.map((i) => header.map((c) => exportCell((i as Record<string, unknown>)[c])));
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8').attachment('questions.csv');
    res.send([csvRow(header), ...rows.map(csvRow)].join(''));
    return;
  }
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Questions');
  sheet.addRow(header);
  // Every cell is text; one a spreadsheet would read as a formula is escaped like the CSV's.
  for (const row of rows) sheet.addRow(row.map((cell) => formulaSafe(cell)));
  res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment('questions.xlsx');
  res.send(Buffer.from(await workbook.xlsx.writeBuffer()));
}

export function questionsRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/questions', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    const input = parseInput(AskQuestionSchema, req.body);
    res.status(201).json(one(await askQuestion(ctx, roomId, input), ctx));
  });
  router.get('/api/rooms/:roomId/questions', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    const query = parseInput(ListQuestionsSchema, req.query);
    const page = await listQuestions(ctx, roomId, query, { all: query.format !== 'json' });
    const items = page.items.map((q) => presentQuestion(q, ctx, page.references));
    if (query.format !== 'json') return sendExport(res, query.format, items);
    res.json({ items, nextCursor: page.nextCursor });
  });
  router.get('/api/questions/:questionId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(one(await getQuestion(ctx, pathId(req.params.questionId)), ctx));
  });
  router.post('/api/questions/:questionId/assign', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const questionId = pathId(req.params.questionId);
    const { userId } = parseInput(AssignSchema, req.body);
    res.json(one(await assignQuestion(ctx, questionId, userId), ctx));
  });
  router.post('/api/questions/:questionId/answer', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const questionId = pathId(req.params.questionId);
    const input = parseInput(AnswerSchema, req.body);
    res.json(one(await answerQuestion(ctx, questionId, input), ctx));
  });
  router.post('/api/questions/:questionId/approve', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const questionId = pathId(req.params.questionId);
    parseInput(NoInputSchema, req.body ?? {});
    res.json(one(await approveAnswer(ctx, questionId), ctx));
  });
  router.post('/api/questions/:questionId/publish', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const questionId = pathId(req.params.questionId);
    const input = parseInput(PublishFaqSchema, req.body ?? {});
    res.json(one(await publishFaq(ctx, questionId, input), ctx));
  });
  router.post('/api/questions/:questionId/close', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const questionId = pathId(req.params.questionId);
    parseInput(NoInputSchema, req.body ?? {});
    res.json(one(await closeQuestion(ctx, questionId), ctx));
  });
  return router;
}
