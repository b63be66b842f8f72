/** The live call page's words (listening to a call in progress), in English and Spanish. */

export const liveEn = {
  liveCallTitle: 'Call in progress',
  liveCallId: 'Capture {id}',
  liveBackToBoard: 'Back to calls in progress',
  liveListen: 'Listen',
  liveStop: 'Stop listening',
  liveParty: 'Who to hear',
  liveParty_both: 'Both (agent left, customer right)',
  liveParty_agent: 'Agent only',
  liveParty_customer: 'Customer only',
  liveVolume: 'Volume',
  liveLatency: 'Latency',
  liveLatencyValue: '{seconds} s behind the call',
  liveLevel: 'Level',
  liveLevelOf: '{party} level: {db} dB',
  liveStatus_idle: 'Not listening. Press Listen to hear the call live.',
  liveStatus_connecting: 'Connecting…',
  liveStatus_listening: 'Listening live.',
  liveStatus_ended: 'The call has ended; its recording is being archived.',
  liveStatus_closed: 'Listening stopped.',
  liveStatus_failed:
    'Could not listen: the call may have ended, it may be outside what you may hear, or the connection failed.',
  liveElapsed: 'In progress for {clock}',
  livePaused: 'Recording paused: nothing is heard until it resumes.',
  liveKeyPress: 'A key press was silenced.',
  liveNotLive_agent:
    'The agent’s audio cannot be played live (its codec is decoded when the call is archived): you hear silence.',
  liveNotLive_customer:
    'The customer’s audio cannot be played live (its codec is decoded when the call is archived): you hear silence.',
  liveShortcuts: 'Keys: L listen or stop, 1 both, 2 agent, 3 customer, ↑ ↓ volume.',
  act_listen_live: 'Listened live',
  act_listen_live_end: 'Stopped listening live',
};

export const liveEs: Record<keyof typeof liveEn, string> = {
  liveCallTitle: 'Llamada en curso',
  liveCallId: 'Captura {id}',
  liveBackToBoard: 'Volver a las llamadas en curso',
  liveListen: 'Escuchar',
  liveStop: 'Dejar de escuchar',
  liveParty: 'A quién escuchar',
  liveParty_both: 'Ambos (agente a la izquierda, cliente a la derecha)',
  liveParty_agent: 'Solo el agente',
  liveParty_customer: 'Solo el cliente',
  liveVolume: 'Volumen',
  liveLatency: 'Latencia',
  liveLatencyValue: '{seconds} s de retraso respecto a la llamada',
  liveLevel: 'Nivel',
  liveLevelOf: 'Nivel de {party}: {db} dB',
  liveStatus_idle: 'Sin escuchar. Pulse Escuchar para oír la llamada en vivo.',
  liveStatus_connecting: 'Conectando…',
  liveStatus_listening: 'Escuchando en vivo.',
  liveStatus_ended: 'La llamada terminó; su grabación se está archivando.',
  liveStatus_closed: 'Se dejó de escuchar.',
  liveStatus_failed:
    'No se pudo escuchar: la llamada puede haber terminado, puede estar fuera de lo que usted puede oír, o falló la conexión.',
  liveElapsed: 'En curso desde hace {clock}',
  livePaused: 'Grabación en pausa: no se oye nada hasta que se reanude.',
  liveKeyPress: 'Se silenció una pulsación de tecla.',
  liveNotLive_agent:
    'El audio del agente no se puede oír en vivo (su códec se decodifica al archivar la llamada): se oye silencio.',
  liveNotLive_customer:
    'El audio del cliente no se puede oír en vivo (su códec se decodifica al archivar la llamada): se oye silencio.',
  liveShortcuts: 'Teclas: L escuchar o parar, 1 ambos, 2 agente, 3 cliente, ↑ ↓ volumen.',
  act_listen_live: 'Escuchó en vivo',
  act_listen_live_end: 'Dejó de escuchar en vivo',
};
