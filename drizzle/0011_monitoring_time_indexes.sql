CREATE INDEX "check_results_at_brin" ON "check_results" USING brin ("at");--> statement-breakpoint
CREATE INDEX "check_rollups_bucket_brin" ON "check_rollups" USING brin ("bucket");--> statement-breakpoint
CREATE INDEX "fpm_rollups_bucket_brin" ON "fpm_rollups" USING brin ("bucket");--> statement-breakpoint
CREATE INDEX "fpm_samples_at_brin" ON "fpm_samples" USING brin ("at");