CREATE TABLE "app_certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_id" uuid NOT NULL,
	"server_id" uuid,
	"source" text NOT NULL,
	"certificate_pem" text NOT NULL,
	"sealed_key" text,
	"domains" text[] NOT NULL,
	"issuer" text NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app_env_values" (
	"app_id" uuid NOT NULL,
	"key" text NOT NULL,
	"sealed_value" text NOT NULL,
	"managed" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_env_values_app_id_key_pk" PRIMARY KEY("app_id","key")
);
--> statement-breakpoint
ALTER TABLE "app_certificates" ADD CONSTRAINT "app_certificates_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_certificates" ADD CONSTRAINT "app_certificates_server_id_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_env_values" ADD CONSTRAINT "app_env_values_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_certificates_app_idx" ON "app_certificates" USING btree ("app_id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_certificates_one_uploaded" ON "app_certificates" USING btree ("app_id") WHERE "app_certificates"."server_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "app_certificates_one_per_server" ON "app_certificates" USING btree ("app_id","server_id") WHERE "app_certificates"."server_id" is not null;