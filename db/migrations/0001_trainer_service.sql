ALTER TABLE `checkpoints` ADD `label_watermark` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `checkpoints` ADD `labels_used` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `pairs` ADD `iteration` integer;--> statement-breakpoint
ALTER TABLE `pairs` ADD `slot` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `pairs_run_iteration_slot_unique` ON `pairs` (`run_id`,`iteration`,`slot`);--> statement-breakpoint
ALTER TABLE `runs` ADD `last_error` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `last_error_at` integer;