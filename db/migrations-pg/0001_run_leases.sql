CREATE TABLE "run_leases" (
	"run_id" integer NOT NULL,
	"holder_id" text,
	"token" integer DEFAULT 0 NOT NULL,
	"expires_at" bigint DEFAULT 0 NOT NULL,
	"claimed_at" bigint,
	CONSTRAINT "run_leases_run_id_pk" PRIMARY KEY("run_id")
);
--> statement-breakpoint
ALTER TABLE "checkpoints" ADD COLUMN "committed_by" text;--> statement-breakpoint
ALTER TABLE "checkpoints" ADD COLUMN "lease_token" integer;--> statement-breakpoint
ALTER TABLE "trainer_heartbeats" ADD COLUMN "engines" text;--> statement-breakpoint
ALTER TABLE "trainer_heartbeats" ADD COLUMN "held_runs" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "run_leases" ADD CONSTRAINT "run_leases_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_leases_holder_idx" ON "run_leases" USING btree ("holder_id");