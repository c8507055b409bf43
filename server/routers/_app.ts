import { router } from "@/server/trpc";
import { activityRouter } from "./activity";
import { authRouter } from "./auth";
import { channelRouter } from "./channel";
import { conversationRouter } from "./conversation";
import { fileRouter } from "./file";
import { messageRouter } from "./message";
import { tokenRouter } from "./token";
import { userRouter } from "./user";
import { workspaceRouter } from "./workspace";

export const appRouter = router({
  auth: authRouter,
  user: userRouter,
  token: tokenRouter,
  workspace: workspaceRouter,
  channel: channelRouter,
  conversation: conversationRouter,
  message: messageRouter,
  file: fileRouter,
  activity: activityRouter,
});

export type AppRouter = typeof appRouter;
