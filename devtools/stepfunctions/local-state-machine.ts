// A state machine executed on this machine by a maintained Amazon States Language interpreter
// (aws-local-stepfunctions, MIT), with the service integrations the definition calls served by
// local stand-ins, and a registry of executions so that `states:ListExecutions` answers as Step
// Functions does (RUNNING executions, newest first: API_ListExecutions.html).
//
// Wait states and Retry intervals are made instant by default (the tests wait for events, never for
// the clock); pass `waitMs` to slow them down, e.g. for a demo.
import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";
import { validateDefinition } from "./validate";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TaskHandler = (input: Json) => Promise<Json>;

export interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly startedAt: number;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  output?: Json;
  error?: { readonly error: string; readonly cause: string };
  /** Every state entered, in order. */
  readonly states: string[];
  /** Retries of a Task state's own Retry field, by state name. */
  readonly retries: Record<string, number>;
}

export interface LocalStateMachineOptions {
  /** arn:aws:states:<region>:<account>:stateMachine:<name> */
  readonly arn: string;
  readonly definition: Record<string, unknown>;
  /** Stand-ins for Task states whose resource is not `aws-sdk:sfn:listExecutions`, by state name. */
  readonly tasks: Record<string, TaskHandler>;
  /** Milliseconds every Wait state and every Retry pause takes. Default 0. */
  readonly waitMs?: number;
}

const LIST_EXECUTIONS = "arn:aws:states:::aws-sdk:sfn:listExecutions";

export class LocalStateMachine {
  readonly executions: ExecutionRecord[] = [];
  private readonly machine: StateMachine;
  private readonly states: Record<string, { Type: string; Resource?: string; Retry?: unknown[] }>;

  constructor(private readonly opts: LocalStateMachineOptions) {
    const problems = validateDefinition(opts.definition);
    if (problems.length > 0) throw new Error(`invalid state machine definition:\n  ${problems.join("\n  ")}`);
    this.states = opts.definition.States as LocalStateMachine["states"];
    for (const [name, state] of Object.entries(this.states)) {
      if (state.Type !== "Task" || state.Resource === LIST_EXECUTIONS) continue;
      if (!opts.tasks[name]) throw new Error(`Task state ${name} (${state.Resource}) has no local stand-in`);
    }
    this.machine = new StateMachine(opts.definition as never);
  }

  /** Starts an execution; resolves when it ends. */
  start(name: string = randomUUID()): { record: ExecutionRecord; done: Promise<ExecutionRecord> } {
    const arn = `${this.opts.arn.replace(":stateMachine:", ":execution:")}:${name}`;
    if (this.executions.some((e) => e.name === name))
      throw new Error(`ExecutionAlreadyExists: an execution named ${name} exists for ${this.opts.arn}`);
    const record: ExecutionRecord = { arn, name, startedAt: Date.now(), status: "RUNNING", states: [], retries: {} };
    this.executions.push(record);
    const tasks: Record<string, TaskHandler> = { ...this.opts.tasks };
    for (const [state, definition] of Object.entries(this.states))
      if (definition.Resource === LIST_EXECUTIONS) tasks[state] = (input) => this.listExecutions(input);
    const wait = this.opts.waitMs ?? 0;
    const named = (type: string) =>
      Object.fromEntries(
        Object.entries(this.states)
          .filter(([, s]) => (type === "Wait" ? s.Type === "Wait" : s.Retry !== undefined))
          .map(([n]) => [n, wait]),
      );
    const execution = this.machine.run(
      {},
      {
        overrides: {
          taskResourceLocalHandlers: tasks as never,
          waitTimeOverrides: named("Wait"),
          retryIntervalOverrides: named("Retry"),
        },
        context: {
          Execution: { Id: arn, Name: name, Input: {}, StartTime: new Date(record.startedAt).toISOString() },
          StateMachine: { Id: this.opts.arn, Name: this.opts.arn.split(":").at(-1) },
        } as never,
      },
    );
    const logged = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === "StateEntered") record.states.push(event.state.name);
        if (event.type === "StateRetried")
          record.retries[event.state.name] = (record.retries[event.state.name] ?? 0) + 1;
      }
    })();
    const done = execution.result.then(
      (output: unknown) => {
        record.status = "SUCCEEDED";
        record.output = output as Json;
        return record;
      },
      (err: { cause?: { name?: string; message?: string }; name?: string; message?: string }) => {
        record.status = "FAILED";
        const failure = err.cause ?? err;
        record.error = { error: String(failure.name), cause: String(failure.message) };
        return record;
      },
    );
    return { record, done: Promise.all([done, logged.catch(() => undefined)]).then(() => record) };
  }

  /** `states:ListExecutions` with StatusFilter, newest first, as the service answers. */
  private listExecutions(input: Json): Promise<Json> {
    const request = input as { StateMachineArn?: string; StatusFilter?: string; MaxResults?: number };
    if (request.StateMachineArn !== this.opts.arn) {
      const err = new Error(`State Machine Does Not Exist: '${String(request.StateMachineArn)}'`);
      err.name = "Sfn.StateMachineDoesNotExistException";
      return Promise.reject(err);
    }
    const matching = this.executions
      .filter((e) => request.StatusFilter === undefined || e.status === request.StatusFilter)
      .sort((a, b) => b.startedAt - a.startedAt || this.executions.indexOf(b) - this.executions.indexOf(a))
      .slice(0, request.MaxResults ?? 100)
      .map((e) => ({ ExecutionArn: e.arn, Name: e.name, Status: e.status, StateMachineArn: this.opts.arn }));
    return Promise.resolve({ Executions: matching });
  }
}
