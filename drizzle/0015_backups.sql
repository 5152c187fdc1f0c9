CREATE TYPE "public"."backup_run_kind" AS ENUM('backup', 'verify', 'drill', 'restore');--> statement-breakpoint
CREATE TYPE "public"."backup_run_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'skipped', 'interrupted');--> statement-breakpoint
CREATE TABLE "backup_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" uuid NOT NULL,
	"policy" text NOT NULL,
	"kind" "backup_run_kind" NOT NULL,
	"status" "backup_run_status" DEFAULT 'queued' NOT NULL,
	"target_id" uuid,
	"target_name" text NOT NULL,
	"server_id" uuid,
	"recipe_run_id" uuid,
	"source_run_id" uuid,
	"snapshot_id" text,
	"scheduled_for" timestamp with time zone,
	"dumped_at" timestamp with time zone,
	"uploaded_at" timestamp with time zone,
	"verified_at" timestamp with time zone,
	"restore_verified_at" timestamp with time zone,
	"failed_stage" text,
	"error" text,
	"size_bytes" bigint,
	"duration_ms" integer,
	"manifest" jsonb,
	"detail" jsonb,
	"forgotten_at" timestamp with time zone,
	"requested_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "backup_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"settings" jsonb NOT NULL,
	"credential_sealed" text,
	"repo_key_sealed" text NOT NULL,
	"last_test" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "backup_targets_name_unique" UNIQUE("name")
);
--> statement-breakpoint
DROP INDEX "recipe_runs_one_active_idx";--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_target_id_backup_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."backup_targets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_recipe_run_id_recipe_runs_id_fk" FOREIGN KEY ("recipe_run_id") REFERENCES "public"."recipe_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backup_runs_app_idx" ON "backup_runs" USING btree ("app_id","created_at");--> statement-breakpoint
CREATE INDEX "backup_runs_policy_idx" ON "backup_runs" USING btree ("app_id","policy","kind","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "backup_runs_one_active_idx" ON "backup_runs" USING btree ("app_id","policy","kind") WHERE status in ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "recipe_runs_one_active_idx" ON "recipe_runs" USING btree ("server_id") WHERE status in ('queued', 'running') and release_id is null and recipe not like 'backup%';