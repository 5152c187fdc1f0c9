ALTER TYPE "public"."release_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "release_lock_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"release_id" uuid,
	"holder" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "canary" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "cancelled_by" text;--> statement-breakpoint
ALTER TABLE "release_lock_holds" ADD CONSTRAINT "release_lock_holds_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_lock_holds" ADD CONSTRAINT "release_lock_holds_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_lock_holds" ADD CONSTRAINT "release_lock_holds_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "release_lock_holds_app_idx" ON "release_lock_holds" USING btree ("app_id");