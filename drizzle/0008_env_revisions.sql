CREATE TABLE "env_revisions" (
	"app_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"sealed_snapshot" text NOT NULL,
	"changes" jsonb NOT NULL,
	"source" text NOT NULL,
	"restored_from" integer,
	"pulled_from" uuid,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "env_revisions_app_id_number_pk" PRIMARY KEY("app_id","number")
);
--> statement-breakpoint
ALTER TABLE "app_servers" ADD COLUMN "env_revision" integer;--> statement-breakpoint
ALTER TABLE "app_servers" ADD COLUMN "env_pushed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "app_servers" ADD COLUMN "env_push_error" text;--> statement-breakpoint
ALTER TABLE "releases" ADD COLUMN "env_revision" integer;--> statement-breakpoint
ALTER TABLE "env_revisions" ADD CONSTRAINT "env_revisions_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "env_revisions" ADD CONSTRAINT "env_revisions_pulled_from_servers_id_fk" FOREIGN KEY ("pulled_from") REFERENCES "public"."servers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "env_revisions" ADD CONSTRAINT "env_revisions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;