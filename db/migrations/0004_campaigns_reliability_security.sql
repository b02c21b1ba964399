CREATE TABLE `pair_flags` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pair_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`side` text NOT NULL,
	`comment` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "pair_flags_side_check" CHECK("pair_flags"."side" in ('left', 'right', 'both'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pair_flags_pair_user_unique` ON `pair_flags` (`pair_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `practice_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`correct` integer NOT NULL,
	`total` integer NOT NULL,
	`passed` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `practice_attempts_run_user_idx` ON `practice_attempts` (`run_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `run_assignments` (
	`run_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `user_id`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `run_assignments_user_idx` ON `run_assignments` (`user_id`);--> statement-breakpoint
CREATE TABLE `sign_in_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`address` text NOT NULL,
	`succeeded` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sign_in_attempts_email_at_idx` ON `sign_in_attempts` (`email`,`at`);--> statement-breakpoint
CREATE INDEX `sign_in_attempts_address_at_idx` ON `sign_in_attempts` (`address`,`at`);--> statement-breakpoint
CREATE INDEX `sign_in_attempts_at_idx` ON `sign_in_attempts` (`at`);--> statement-breakpoint
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
ALTER TABLE `runs` ADD `description` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `open_to_all` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `label_target` integer;--> statement-breakpoint
ALTER TABLE `runs` ADD `practice_pairs` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `preference_strength` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `session_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `labels_created_idx` ON `labels` (`created_at`);--> statement-breakpoint
CREATE INDEX `leases_expires_idx` ON `leases` (`expires_at`);