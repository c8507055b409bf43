/** "#" for a public channel, a lock for a private one (an SVG: no emoji font needed). */
export function ChannelMark({
  isPrivate,
  className = "",
}: {
  isPrivate: boolean;
  className?: string;
}) {
  if (!isPrivate) {
    return (
      <span aria-hidden="true" className={className}>
        #
      </span>
    );
  }
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 16 16"
      className={`inline-block h-[0.9em] w-[0.9em] align-[-0.05em] ${className}`}
      fill="currentColor"
    >
      <path d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1.5 1.5 0 0 0-1.5 1.5v5A1.5 1.5 0 0 0 4 15h8a1.5 1.5 0 0 0 1.5-1.5v-5A1.5 1.5 0 0 0 12 7h-.5V4.5A3.5 3.5 0 0 0 8 1Zm2 6H6V4.5a2 2 0 1 1 4 0V7Z" />
    </svg>
  );
}
