CREATE TYPE "public"."email_token_purpose" AS ENUM('password_reset', 'email_verification');--> statement-breakpoint
CREATE TABLE "files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"uploader_id" uuid,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"size" bigint NOT NULL,
	"width" integer,
	"height" integer,
	"storage_key" text NOT NULL,
	"thumbnail_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stored_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "files_name_ck" CHECK (char_length("files"."name") BETWEEN 1 AND 255),
	CONSTRAINT "files_type_ck" CHECK (char_length("files"."type") BETWEEN 1 AND 255),
	CONSTRAINT "files_size_ck" CHECK ("files"."size" > 0),
	CONSTRAINT "files_dimensions_ck" CHECK (("files"."width" IS NULL) = ("files"."height" IS NULL) AND ("files"."width" IS NULL OR ("files"."width" > 0 AND "files"."height" > 0))),
	CONSTRAINT "files_thumbnail_ck" CHECK ("files"."thumbnail_key" IS NULL OR ("files"."stored_at" IS NOT NULL AND "files"."width" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "message_files" (
	"file_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"attached_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_files_pkey" PRIMARY KEY("file_id"),
	CONSTRAINT "message_files_position_ck" CHECK ("message_files"."position" >= 0 AND "message_files"."position" < 10)
);
--> statement-breakpoint
CREATE TABLE "email_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"purpose" "email_token_purpose" NOT NULL,
	"token_hash" text NOT NULL,
	"email" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "email_tokens_expiry_ck" CHECK ("email_tokens"."expires_at" > "email_tokens"."created_at")
);
--> statement-breakpoint
CREATE TABLE "notification_mails" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_sent_at" timestamp with time zone,
	"covered_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_body_ck";--> statement-breakpoint
ALTER TABLE "mentions" ADD COLUMN "created_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "file_count" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "avatar_key" text;--> statement-breakpoint
ALTER TABLE "workspace_invitations" ADD COLUMN "token_hash" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "storage_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_uploader_id_users_id_fk" FOREIGN KEY ("uploader_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_files" ADD CONSTRAINT "message_files_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_files" ADD CONSTRAINT "message_files_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "email_tokens" ADD CONSTRAINT "email_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_mails" ADD CONSTRAINT "notification_mails_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "files_storage_key_uq" ON "files" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "files_workspace_idx" ON "files" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "files_created_idx" ON "files" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "files_deleted_idx" ON "files" USING btree ("deleted_at") WHERE "files"."deleted_at" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "message_files_message_position_uq" ON "message_files" USING btree ("message_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "email_tokens_hash_uq" ON "email_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "email_tokens_user_idx" ON "email_tokens" USING btree ("user_id","purpose");--> statement-breakpoint
CREATE INDEX "mentions_created_idx" ON "mentions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "messages_conversation_created_idx" ON "messages" USING btree ("created_at") WHERE "messages"."conversation_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "workspace_invitations_token_uq" ON "workspace_invitations" USING btree ("token_hash");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_file_count_ck" CHECK ("messages"."file_count" >= 0 AND "messages"."file_count" <= 10);--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_body_ck" CHECK (("messages"."deleted_at" IS NULL AND (char_length("messages"."body") BETWEEN 1 AND 4000 OR ("messages"."body" = '' AND "messages"."file_count" > 0))) OR ("messages"."deleted_at" IS NOT NULL AND "messages"."body" = ''));--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_storage_ck" CHECK ("workspaces"."storage_bytes" >= 0);--> statement-breakpoint
-- Backfill: a mention was made when its message was sent (not when this column
-- appeared), so notification mails never pick up old mentions as new.
UPDATE "mentions" SET "created_at" = "messages"."created_at" FROM "messages" WHERE "messages"."id" = "mentions"."message_id";
