CREATE TABLE `run_leases` (
	`run_id` integer PRIMARY KEY NOT NULL,
	`holder_id` text,
	`token` integer DEFAULT 0 NOT NULL,
	`expires_at` integer DEFAULT 0 NOT NULL,
	`claimed_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `run_leases_holder_idx` ON `run_leases` (`holder_id`);--> statement-breakpoint
ALTER TABLE `checkpoints` ADD `committed_by` text;--> statement-breakpoint
ALTER TABLE `checkpoints` ADD `lease_token` integer;--> statement-breakpoint
ALTER TABLE `trainer_heartbeats` ADD `engines` text;--> statement-breakpoint
ALTER TABLE `trainer_heartbeats` ADD `held_runs` integer DEFAULT 0 NOT NULL;