import type { Metadata } from "next";
import { pageCaller } from "@/server/caller";
import { ApiTokens } from "./api-tokens";

export const metadata: Metadata = { title: "API tokens" };

/** My personal API tokens; they are per user, so the workspace only frames the page. */
export default async function TokensPage() {
  const tokens = await (await pageCaller()).token.list();
  return <ApiTokens tokens={tokens} />;
}
