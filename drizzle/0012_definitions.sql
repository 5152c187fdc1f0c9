ALTER TABLE "servers" ALTER COLUMN "private_key_sealed" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "servers" ALTER COLUMN "public_key" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_channels" ADD COLUMN "needs_value" text[] DEFAULT '{}'::text[] NOT NULL;