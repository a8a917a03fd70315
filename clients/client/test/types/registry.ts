/** A registry as `cargo xtask gen-ts` generates it (fixture for the type-level tests). */
export interface CounterState { count: number }
export interface ChatMessage { user: string; text: string }
export interface ChatState { messages: ChatMessage[]; topic: string }

export interface LiveComponents {
  Counter: {
    state: CounterState
    actions: {
      increment: { args: void; result: number }
      add: { args: { by: number }; result: number }
      reset: { args: { to: number } | undefined; result: void }
    }
  }
  Profile: {
    state: { avatar: string | null }
    actions: {}
    uploads: {
      avatar: { accept: 'image/png' | 'image/jpeg'; maxSize: 5242880 }
      document: { accept: 'application/pdf'; maxSize: null }
    }
  }
}
export interface LiveRooms {
  chat: { state: ChatState; events: { 'message:new': ChatMessage; 'user:joined': { name: string } } }
  /** As gen-ts writes it: only `typing` is declared `from_client`. */
  desk: { state: { open: boolean }; events: { note: string; typing: { active: boolean } }; clientEvents: 'typing' }
}
export interface LiveRegistry { components: LiveComponents; rooms: LiveRooms }
