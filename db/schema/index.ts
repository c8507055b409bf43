export * from "./channels";
export * from "./messages";
export * from "./relations";
export * from "./users";
export * from "./workspaces";
