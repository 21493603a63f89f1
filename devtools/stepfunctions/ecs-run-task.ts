// A stand-in for Step Functions' `arn:aws:states:::ecs:runTask.sync` that runs the REAL worker
// process: it checks the RunTask request as ECS does, starts the container's command as a child
// process with the task definition's environment, waits for it to stop, and answers as the .sync
// integration does:
//   - exit 0: the task description (DescribeTasks shape, PascalCase as Step Functions returns it);
//   - any other exit: error States.TaskFailed whose Cause is that description as JSON;
//   - a request ECS would refuse: error ECS.AmazonECSException naming the ECS error code;
//   - injected capacity faults: AmazonECS.Unknown (RunTask answered with Failures).
// Sources: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (request
// rules), https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html (.sync, Failures).
import { randomUUID } from "node:crypto";

export interface TaskDefinitionStandIn {
  readonly arn: string;
  readonly clusterArn: string;
  /** Containers of the task definition; overrides may only name these. */
  readonly containerNames: readonly string[];
  /** Runs the container's command to its end (the real worker) and gives its exit code. */
  run(command: readonly string[], environment: Record<string, string>): Promise<number | null>;
}

export interface RunTaskRequest {
  Cluster?: string;
  TaskDefinition?: string;
  LaunchType?: string;
  CapacityProviderStrategy?: Array<{ CapacityProvider: string; Weight?: number }>;
  NetworkConfiguration?: { AwsvpcConfiguration?: { Subnets?: string[]; SecurityGroups?: string[] } };
  Overrides?: {
    ContainerOverrides?: Array<{
      Name?: string;
      Command?: unknown;
      Environment?: Array<{ Name: string; Value: string }>;
    }>;
  };
}

/** What one call did, for assertions. */
export interface RunTaskCall {
  readonly request: RunTaskRequest;
  readonly outcome: { readonly exitCode: number | null } | { readonly error: string };
}

export class EcsRunTaskStandIn {
  readonly calls: RunTaskCall[] = [];
  private readonly injected: Array<{ name: string; message: string }> = [];
  /** Called after each task stops, before Step Functions sees the result (e.g. to free a lease). */
  afterTask?: (exitCode: number | null, call: number) => Promise<void>;

  constructor(private readonly taskDefinition: TaskDefinitionStandIn) {}

  /** The next `count` RunTask calls fail before a task starts, as an API error or a capacity failure. */
  failNext(count: number, kind: "api" | "capacity" = "api"): void {
    for (let i = 0; i < count; i++)
      this.injected.push(
        kind === "api"
          ? {
              name: "ECS.AmazonECSException",
              message: "Rate exceeded (Service: AmazonECS; Status Code: 400; Error Code: ThrottlingException)",
            }
          : {
              name: "AmazonECS.Unknown",
              message: JSON.stringify({
                Failures: [
                  {
                    Reason:
                      "Capacity is unavailable at this time. Please try again later or in a different availability zone",
                  },
                ],
              }),
            },
      );
  }

  /** The local handler for the Task state. */
  readonly runTaskSync = async (input: unknown): Promise<Record<string, unknown>> => {
    const request = input as RunTaskRequest;
    const injected = this.injected.shift();
    if (injected) {
      this.calls.push({ request, outcome: { error: injected.name } });
      throw named(injected.name, injected.message);
    }
    const refusal = this.refusal(request);
    if (refusal) {
      this.calls.push({ request, outcome: { error: "ECS.AmazonECSException" } });
      throw named(
        "ECS.AmazonECSException",
        `${refusal.message} (Service: AmazonECS; Status Code: 400; Error Code: ${refusal.code})`,
      );
    }
    const override = request.Overrides?.ContainerOverrides?.[0];
    const environment = Object.fromEntries((override?.Environment ?? []).map((e) => [e.Name, e.Value]));
    const started = new Date();
    const exitCode = await this.taskDefinition.run(override!.Command as string[], environment);
    this.calls.push({ request, outcome: { exitCode } });
    await this.afterTask?.(exitCode, this.calls.length);
    const description = this.describe(request, override!.Name!, exitCode, started);
    if (exitCode !== 0) throw named("States.TaskFailed", JSON.stringify(description));
    return description;
  };

  private refusal(request: RunTaskRequest): { code: string; message: string } | undefined {
    const td = this.taskDefinition;
    if (request.Cluster !== td.clusterArn) return { code: "ClusterNotFoundException", message: "Cluster not found." };
    if (request.TaskDefinition !== td.arn)
      return {
        code: "ClientException",
        message: `Unable to describe task definition ${String(request.TaskDefinition)}.`,
      };
    if (request.LaunchType !== undefined && request.CapacityProviderStrategy !== undefined)
      return {
        code: "InvalidParameterException",
        message: "Specifying both a launch type and capacity provider strategy is not supported.",
      };
    const vpc = request.NetworkConfiguration?.AwsvpcConfiguration;
    if (!vpc?.Subnets?.length)
      return {
        code: "InvalidParameterException",
        message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      };
    if (vpc.Subnets.length > 16 || (vpc.SecurityGroups?.length ?? 0) > 5)
      return { code: "InvalidParameterException", message: "At most 16 subnets and 5 security groups." };
    for (const o of request.Overrides?.ContainerOverrides ?? []) {
      if (!o.Name || !td.containerNames.includes(o.Name))
        return {
          code: "InvalidParameterException",
          message: `Override for container named ${String(o.Name)} is not a container in the TaskDefinition.`,
        };
      if (o.Command !== undefined && (!Array.isArray(o.Command) || o.Command.some((c) => typeof c !== "string")))
        return { code: "InvalidParameterException", message: "Command must be a list of strings." };
    }
    if (!request.Overrides?.ContainerOverrides?.[0]?.Command)
      return {
        code: "InvalidParameterException",
        message: "This stand-in needs the container's command in the overrides.",
      };
    return undefined;
  }

  private describe(
    request: RunTaskRequest,
    container: string,
    exitCode: number | null,
    started: Date,
  ): Record<string, unknown> {
    const [, , , region, account] = this.taskDefinition.clusterArn.split(":");
    const clusterName = this.taskDefinition.clusterArn.split("/").at(-1);
    const taskArn = `arn:aws:ecs:${region}:${account}:task/${clusterName}/${randomUUID().replaceAll("-", "")}`;
    return {
      TaskArn: taskArn,
      ClusterArn: this.taskDefinition.clusterArn,
      TaskDefinitionArn: this.taskDefinition.arn,
      StartedBy: "AWS Step Functions",
      LastStatus: "STOPPED",
      DesiredStatus: "STOPPED",
      ...(request.CapacityProviderStrategy
        ? { CapacityProviderName: request.CapacityProviderStrategy[0]!.CapacityProvider }
        : { LaunchType: request.LaunchType ?? "FARGATE" }),
      StartedAt: started.toISOString(),
      StoppedAt: new Date().toISOString(),
      StopCode: "EssentialContainerExited",
      StoppedReason: "Essential container in task exited",
      Containers: [
        {
          Name: container,
          LastStatus: "STOPPED",
          ...(exitCode === null ? {} : { ExitCode: exitCode }),
          TaskArn: taskArn,
        },
      ],
    };
  }
}

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}
