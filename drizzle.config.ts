import { defineConfig } from "drizzle-kit";

// Generation works from the schema alone; `npm run db:migrate` (not
// drizzle-kit) applies migrations, so no credentials are needed here.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  strict: true,
  verbose: true,
});
