CREATE TABLE `trainer_heartbeats` (
	`trainer_id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`beat_at` integer NOT NULL,
	`active_runs` integer DEFAULT 0 NOT NULL,
	`stopped_at` integer
);
--> statement-breakpoint
DROP INDEX `pairs_queue_idx`;--> statement-breakpoint
CREATE INDEX `pairs_queue_all_idx` ON `pairs` (`status`,"priority" desc,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `pairs_queue_idx` ON `pairs` (`status`,`run_id`,"priority" desc,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `labels_created_idx` ON `labels` (`created_at`);--> statement-breakpoint
CREATE INDEX `leases_expires_idx` ON `leases` (`expires_at`);