/** "Ada is typing…", for the people typing in a place or a thread (not me). */
export function typingSentence(typists: { name: string }[]): string {
  if (typists.length === 0) return "";
  if (typists.length === 1) return `${typists[0]?.name} is typing…`;
  if (typists.length === 2) return `${typists[0]?.name} and ${typists[1]?.name} are typing…`;
  return "Several people are typing…";
}
