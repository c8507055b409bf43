export * from "./channels";
export * from "./files";
export * from "./messages";
export * from "./relations";
export * from "./users";
export * from "./workspaces";
