CREATE TYPE "public"."broadcast_policy" AS ENUM('members', 'admins');--> statement-breakpoint
CREATE TYPE "public"."notify_level" AS ENUM('all', 'mentions', 'none');--> statement-breakpoint
CREATE TABLE "thread_follows" (
	"root_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"following" boolean DEFAULT true NOT NULL,
	"last_read_sequence" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "thread_follows_root_id_user_id_pk" PRIMARY KEY("root_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "channel_members" ADD COLUMN "notify" "notify_level";--> statement-breakpoint
ALTER TABLE "channel_members" ADD COLUMN "muted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "broadcast" "broadcast_policy" DEFAULT 'members' NOT NULL;--> statement-breakpoint
ALTER TABLE "conversation_members" ADD COLUMN "notify" "notify_level";--> statement-breakpoint
ALTER TABLE "conversation_members" ADD COLUMN "muted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "also_in_channel" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "last_reply_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "pinned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "pinned_by" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', "messages"."body") || to_tsvector('simple', "messages"."body")) STORED;--> statement-breakpoint
ALTER TABLE "reactions" ADD COLUMN "message_author_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "status" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD COLUMN "activity_read_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "thread_follows" ADD CONSTRAINT "thread_follows_root_id_messages_id_fk" FOREIGN KEY ("root_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_follows" ADD CONSTRAINT "thread_follows_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "thread_follows_user_idx" ON "thread_follows" USING btree ("user_id") WHERE "thread_follows"."following";--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_pinned_by_users_id_fk" FOREIGN KEY ("pinned_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_message_author_id_users_id_fk" FOREIGN KEY ("message_author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "messages_pinned_channel_idx" ON "messages" USING btree ("channel_id","pinned_at") WHERE "messages"."pinned_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_pinned_conversation_idx" ON "messages" USING btree ("conversation_id","pinned_at") WHERE "messages"."pinned_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "reactions_message_author_idx" ON "reactions" USING btree ("message_author_id","created_at");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_thread_ck" CHECK (("messages"."parent_id" IS NOT NULL OR NOT "messages"."also_in_channel") AND "messages"."reply_count" >= 0);--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_status_ck" CHECK (char_length("users"."status") <= 100);--> statement-breakpoint
UPDATE "reactions" AS r SET "message_author_id" = m."author_id" FROM "messages" AS m WHERE m."id" = r."message_id";--> statement-breakpoint
UPDATE "messages" AS root SET "reply_count" = t.n, "last_reply_at" = t.last_at
  FROM (SELECT "parent_id", count(*)::int AS n, max("created_at") AS last_at FROM "messages"
         WHERE "parent_id" IS NOT NULL AND "deleted_at" IS NULL GROUP BY "parent_id") AS t
 WHERE root."id" = t."parent_id";--> statement-breakpoint
INSERT INTO "thread_follows" ("root_id", "user_id", "last_read_sequence")
  SELECT DISTINCT reply."parent_id", reply."author_id", 0 FROM "messages" AS reply WHERE reply."parent_id" IS NOT NULL
  UNION
  SELECT root."id", root."author_id", 0 FROM "messages" AS root WHERE root."reply_count" > 0
ON CONFLICT DO NOTHING;
