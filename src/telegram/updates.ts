/** The parts of Telegram's Update the bridge reads. */

interface TgUser {
  id: number;
  is_bot?: boolean;
  username?: string;
}

export interface TgMessage {
  message_id: number;
  chat: { id: number; type?: string };
  from?: TgUser;
  text?: string;
  caption?: string;
  reply_to_message?: TgMessage;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  callback_query?: TgCallbackQuery;
}
