ALTER TABLE `pairs` ADD `gold_choice` text;--> statement-breakpoint
CREATE INDEX `pairs_gold_idx` ON `pairs` (`run_id`) WHERE gold_choice is not null;