CREATE TYPE "public"."release_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'rolled_back', 'interrupted');--> statement-breakpoint
CREATE TABLE "releases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"number" integer,
	"target_id" uuid,
	"ref" text NOT NULL,
	"sha" text,
	"subject" text,
	"trigger" text NOT NULL,
	"requested_by" integer,
	"status" "release_status" DEFAULT 'queued' NOT NULL,
	"failed_step" text,
	"error" text,
	"bad" boolean DEFAULT false NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "recipe_runs_one_active_idx";--> statement-breakpoint
ALTER TABLE "recipe_runs" ADD COLUMN "release_id" uuid;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_target_id_releases_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "releases_app_idx" ON "releases" USING btree ("app_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_app_number_idx" ON "releases" USING btree ("app_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_one_active_idx" ON "releases" USING btree ("app_id") WHERE status in ('queued', 'running');--> statement-breakpoint
ALTER TABLE "recipe_runs" ADD CONSTRAINT "recipe_runs_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "recipe_runs_one_active_idx" ON "recipe_runs" USING btree ("server_id") WHERE status in ('queued', 'running') and release_id is null;