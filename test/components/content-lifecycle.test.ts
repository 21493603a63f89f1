// The content bucket's lifecycle rules (issue 12, finding 5): incomplete multipart uploads aborted,
// noncurrent versions expired after the stack's retention, both on the sync prefix; and the SyncTask
// attaches them, after versioning, with the retention from its arguments.
import { strict as assert } from "node:assert";
import {
  ABORT_INCOMPLETE_UPLOAD_DAYS,
  contentLifecycleRules,
  DEFAULT_NONCURRENT_VERSION_DAYS,
} from "../../components/content-lifecycle";
import { CONTENT_PREFIX, SyncTask, type SyncTaskArgs } from "../../components/sync-task";
import { build, named, useMocks } from "../../devtools/component-harness";
import { SITE_A, SYNC_TASK_ARGS } from "../../devtools/sync-task-fixture";

const args: SyncTaskArgs = { ...SYNC_TASK_ARGS, siteIds: [SITE_A] };

describe("content bucket lifecycle rules", () => {
  before(useMocks);

  it("aborts incomplete multipart uploads and expires noncurrent versions, on the sync prefix only", () => {
    assert.deepEqual(contentLifecycleRules({ prefix: "sharepoint/", noncurrentVersionDays: 45 }), [
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: { prefix: "sharepoint/" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
      },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: { prefix: "sharepoint/" },
        noncurrentVersionExpiration: { noncurrentDays: 45 },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ]);
    assert.throws(() => contentLifecycleRules({ prefix: "x/", noncurrentVersionDays: 0 }), /noncurrentVersionDays/);
  });

  it("is attached to the SyncTask's bucket with the configured retention, defaulting to 30 days", async () => {
    const { resources } = await build("lc", (name) => new SyncTask(name, { ...args, noncurrentVersionDays: 90 }));
    const rules = named(resources, "lc-content-lifecycle").inputs.rules as Array<Record<string, any>>;
    assert.deepEqual(
      rules.map((r) => [r.id, r.filter.prefix]),
      [
        ["abort-incomplete-multipart-uploads", CONTENT_PREFIX],
        ["expire-noncurrent-versions", CONTENT_PREFIX],
      ],
    );
    assert.equal(rules[1].noncurrentVersionExpiration.noncurrentDays, 90);
    const defaults = await build("ld", (name) => new SyncTask(name, args));
    const defaultRules = named(defaults.resources, "ld-content-lifecycle").inputs.rules as Array<Record<string, any>>;
    assert.equal(defaultRules[1].noncurrentVersionExpiration.noncurrentDays, DEFAULT_NONCURRENT_VERSION_DAYS);
  });
});
