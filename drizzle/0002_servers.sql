CREATE TYPE "public"."run_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'interrupted');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('pending', 'running', 'changed', 'unchanged', 'failed', 'skipped');--> statement-breakpoint
CREATE TABLE "servers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"host" text NOT NULL,
	"port" integer DEFAULT 22 NOT NULL,
	"username" text NOT NULL,
	"bind_address" text,
	"php_versions" text[] DEFAULT '{"8.2"}' NOT NULL,
	"private_key_sealed" text NOT NULL,
	"public_key" text NOT NULL,
	"host_key_fingerprint" text,
	"host_key_pinned_at" timestamp with time zone,
	"probe" jsonb,
	"probe_requested_at" timestamp with time zone,
	"host_key_mismatch_at" timestamp with time zone,
	"host_key_mismatch_fingerprint" text,
	"facts" jsonb,
	"services" jsonb,
	"provisioned_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "servers_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "recipe_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"server_id" uuid NOT NULL,
	"recipe" text NOT NULL,
	"status" "run_status" DEFAULT 'queued' NOT NULL,
	"start_at" text,
	"failed_task" text,
	"error" text,
	"requested_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "task_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"status" "task_status" DEFAULT 'pending' NOT NULL,
	"summary" text,
	"log" text DEFAULT '' NOT NULL,
	"exit_code" integer,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "server_samples" (
	"server_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"load1" real NOT NULL,
	"memory_used_pct" real NOT NULL,
	"disk_used_pct" real NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recipe_runs" ADD CONSTRAINT "recipe_runs_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipe_runs" ADD CONSTRAINT "recipe_runs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_runs" ADD CONSTRAINT "task_runs_run_id_recipe_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."recipe_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "server_samples" ADD CONSTRAINT "server_samples_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recipe_runs_server_idx" ON "recipe_runs" USING btree ("server_id","created_at");--> statement-breakpoint
CREATE INDEX "task_runs_run_idx" ON "task_runs" USING btree ("run_id","position");--> statement-breakpoint
CREATE INDEX "server_samples_server_at_idx" ON "server_samples" USING btree ("server_id","at");