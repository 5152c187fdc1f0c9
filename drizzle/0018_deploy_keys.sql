CREATE TABLE "app_deploy_keys" (
	"app_id" uuid PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"private_key_sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "git_host_keys" (
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"public_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"presented_public_key" text,
	"presented_fingerprint" text,
	"pinned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "git_host_keys_host_port_pk" PRIMARY KEY("host","port")
);
--> statement-breakpoint
ALTER TABLE "app_deploy_keys" ADD CONSTRAINT "app_deploy_keys_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;