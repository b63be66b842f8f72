/**
 * Where the live call page (pages/live-call.page.tsx) shows the call's live transcript and alerts: the live
 * transcript feature renders its panel here. Until then the page has no transcript, and this renders nothing.
 */
export function LiveTranscriptSlot(_props: { captureId: string }) {
  return null;
}
