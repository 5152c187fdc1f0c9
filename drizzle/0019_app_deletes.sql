ALTER TABLE "app_servers" ADD COLUMN "removing_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "deleting_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "apps" ADD COLUMN "delete_data" boolean DEFAULT false NOT NULL;