CREATE TABLE `trainer_heartbeats` (
	`trainer_id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`beat_at` integer NOT NULL,
	`active_runs` integer DEFAULT 0 NOT NULL,
	`stopped_at` integer
);
--> statement-breakpoint
CREATE INDEX `labels_created_idx` ON `labels` (`created_at`);