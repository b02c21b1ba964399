CREATE TABLE `checkpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`iteration` integer NOT NULL,
	`format_version` integer NOT NULL,
	`reward_model` blob,
	`policy` blob,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checkpoints_run_iteration_unique` ON `checkpoints` (`run_id`,`iteration`);--> statement-breakpoint
CREATE TABLE `clips` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`checkpoint_id` integer,
	`env_id` text NOT NULL,
	`seed` integer NOT NULL,
	`states` text NOT NULL,
	`actions` text NOT NULL,
	`log_probs` text NOT NULL,
	`true_return` real,
	`format_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`checkpoint_id`) REFERENCES `checkpoints`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `clips_run_idx` ON `clips` (`run_id`);--> statement-breakpoint
CREATE TABLE `labels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`submission_id` text NOT NULL,
	`pair_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`choice` text NOT NULL,
	`y` real,
	`shown_at` integer NOT NULL,
	`answered_at` integer NOT NULL,
	`response_ms` integer NOT NULL,
	`created_at` integer NOT NULL,
	`undone_at` integer,
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "labels_choice_check" CHECK("labels"."choice" in ('left', 'right', 'equal', 'cant_tell'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `labels_submission_id_unique` ON `labels` (`submission_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `labels_pair_user_live_unique` ON `labels` (`pair_id`,`user_id`) WHERE undone_at IS NULL;--> statement-breakpoint
CREATE INDEX `labels_user_created_idx` ON `labels` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `leases` (
	`pair_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`pair_id`, `user_id`),
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`iteration` integer NOT NULL,
	`name` text NOT NULL,
	`value` real NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `metrics_run_name_iteration_idx` ON `metrics` (`run_id`,`name`,`iteration`);--> statement-breakpoint
CREATE TABLE `pairs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`clip_a_id` integer NOT NULL,
	`clip_b_id` integer NOT NULL,
	`priority` real DEFAULT 0 NOT NULL,
	`labels_wanted` integer DEFAULT 1 NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	`checkpoint_id` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_a_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`clip_b_id`) REFERENCES `clips`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`checkpoint_id`) REFERENCES `checkpoints`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "pairs_status_check" CHECK("pairs"."status" in ('pending', 'done')),
	CONSTRAINT "pairs_labels_wanted_check" CHECK("pairs"."labels_wanted" >= 1)
);
--> statement-breakpoint
CREATE INDEX `pairs_queue_idx` ON `pairs` (`status`,`run_id`,`priority`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`env_id` text NOT NULL,
	`algorithm` text NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`instructions` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`labels_wanted` integer DEFAULT 1 NOT NULL,
	`label_batch_size` integer DEFAULT 16 NOT NULL,
	`iteration` integer DEFAULT 0 NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "runs_status_check" CHECK("runs"."status" in ('active', 'paused', 'stopped')),
	CONSTRAINT "runs_labels_wanted_check" CHECK("runs"."labels_wanted" >= 1)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`pseudonym` text NOT NULL,
	`created_at` integer NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	CONSTRAINT "users_role_check" CHECK("users"."role" in ('annotator', 'researcher', 'admin'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_pseudonym_unique` ON `users` (`pseudonym`);