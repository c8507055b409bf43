import { redirect } from "next/navigation";
import { auth } from "@/server/auth/config";
import { serverCaller } from "@/server/caller";

/** Sends people where they belong: sign in, a first workspace, or their workspace. */
export default async function Home() {
  if (!(await auth())?.user) redirect("/sign-in");
  const workspaces = await (await serverCaller()).workspace.list();
  const first = workspaces[0];
  redirect(first ? `/w/${first.id}` : "/welcome");
}
