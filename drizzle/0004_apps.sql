CREATE TABLE "app_servers" (
	"app_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"roles" text[] DEFAULT '{"web","worker"}' NOT NULL,
	CONSTRAINT "app_servers_app_id_server_id_pk" PRIMARY KEY("app_id","server_id")
);
--> statement-breakpoint
CREATE TABLE "apps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "apps_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "recipe_runs" ADD COLUMN "app_id" uuid;--> statement-breakpoint
ALTER TABLE "app_servers" ADD CONSTRAINT "app_servers_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_servers" ADD CONSTRAINT "app_servers_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipe_runs" ADD CONSTRAINT "recipe_runs_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;